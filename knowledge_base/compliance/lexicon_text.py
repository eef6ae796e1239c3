"""Edits of a lexicon's YAML text that keep everything else as written (comments, anchors, the
order of entries): add an entry at the end of `entries`, comment an entry out (retired), and set
a top-level scalar (`version`, `approved_by`, `effective_from`).

Every lexicon version is stored whole (`kb_lexicons.text`), so an edit made in chat yields a
file a compliance officer can still read, diff and load with `ambot kb lexicon`. Positions come
from PyYAML's node marks; the caller validates the result with `parse_lexicon`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import yaml

from knowledge_base.compliance.lexicon import LexiconEntry, LexiconError

_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def entry_key(entry: LexiconEntry) -> str:
    """A short stable id of an entry (its match type and phrase), for buttons: the same entry
    has the same key in every version of the lexicon."""
    digest = hashlib.sha256(f"{entry.match.value}\x1f{entry.phrase}".encode()).hexdigest()
    return digest[:10]


def quoted(value: str) -> str:
    """A YAML double-quoted scalar for any text (PyYAML does the escaping)."""
    dumped = yaml.safe_dump(value, default_style='"', allow_unicode=True, width=2**31 - 1)
    return dumped.rstrip("\n").removesuffix("\n...").rstrip("\n")


def _root(text: str) -> yaml.MappingNode:
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        raise LexiconError(f"the stored lexicon is not valid YAML: {exc}") from exc
    if not isinstance(root, yaml.MappingNode):
        raise LexiconError("the stored lexicon is not a mapping")
    return root


def _top(root: yaml.MappingNode, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    for key_node, value in root.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return key_node, value
    return None


def _entries(root: yaml.MappingNode) -> tuple[yaml.Node, yaml.SequenceNode]:
    found = _top(root, "entries")
    if found is None or not isinstance(found[1], yaml.SequenceNode) or found[1].flow_style:
        raise LexiconError("the stored lexicon has no block list of entries")
    return found[0], found[1]


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _after_line(text: str, index: int) -> int:
    """The index just after the line holding `index` (its newline included)."""
    end = text.find("\n", index)
    return len(text) if end < 0 else end + 1


def _content_end(node: yaml.Node) -> int:
    """Where the last value written inside node ends (trailing comments are not its own)."""
    if isinstance(node, yaml.ScalarNode):
        return int(node.end_mark.index)
    if isinstance(node, yaml.SequenceNode | yaml.MappingNode):
        if node.flow_style:
            return int(node.end_mark.index)
        children: list[yaml.Node] = []
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                children += [key, value]
        else:
            children = list(node.value)
        return max((_content_end(child) for child in children), default=node.start_mark.index)
    return int(node.end_mark.index)  # an alias


def _line_end_of(text: str, index: int) -> int:
    """End of the item that stops at `index`: the start of the next line (a value that ends
    at the start of a line, like a block scalar, already stops there)."""
    if index > 0 and text[index - 1] == "\n":
        return index
    return _after_line(text, index)


def add_entry(text: str, fields: Mapping[str, str], *, comment: str = "") -> str:
    """`text` with one more entry at the end of `entries` (fields in the given order)."""
    if not text.endswith("\n"):
        text += "\n"
    root = _root(text)
    _, sequence = _entries(root)
    if not sequence.value:
        raise LexiconError("the stored lexicon has no entries")
    first_item = sequence.value[0]
    line_start = _line_start(text, first_item.start_mark.index)
    dash = text.index("-", line_start)
    indent = " " * (dash - line_start)
    at = _line_end_of(text, _content_end(sequence))
    lines = [f"{indent}# {one_line(comment)}"] if comment else []
    for number, (name, value) in enumerate(fields.items()):
        lead = f"{indent}- " if number == 0 else f"{indent}  "
        lines.append(f"{lead}{name}: {value}")
    block = "\n".join(lines) + "\n"
    return text[:at] + block + text[at:]


def retire_entry(text: str, index: int, *, comment: str) -> str:
    """`text` with entry number `index` (0-based) commented out under a one-line `comment`."""
    if not text.endswith("\n"):
        text += "\n"
    root = _root(text)
    _, sequence = _entries(root)
    items = sequence.value
    if not 0 <= index < len(items):
        raise LexiconError(f"the stored lexicon has no entry {index + 1}")
    start = _line_start(text, items[index].start_mark.index)
    end = _line_end_of(text, _content_end(items[index]))
    block = text[start:end]
    commented = "".join(f"# {line}" if line.strip() else line for line in block.splitlines(True))
    return text[:start] + f"# {one_line(comment)}\n" + commented + text[end:]


def set_top_scalar(text: str, key: str, value: str) -> str:
    """`text` with the top-level `key: value` (value already YAML), added before `entries`
    when it is not there."""
    root = _root(text)
    found = _top(root, key)
    if (
        found is not None
        and isinstance(found[1], yaml.ScalarNode)
        and found[1].style in (None, "", '"', "'")
    ):
        node = found[1]
        return text[: node.start_mark.index] + value + text[node.end_mark.index :]
    if found is not None:
        raise LexiconError(f"the stored lexicon's {key!r} is not a plain value")
    entries_key, _ = _entries(root)
    at = _line_start(text, entries_key.start_mark.index)
    return text[:at] + f"{key}: {value}\n" + text[at:]


def one_line(value: str) -> str:
    """Text for a YAML comment: one line."""
    return " ".join(value.split())
