"""Knowledge-base errors whose message is safe to show to the user who caused them.

Separate from crm.errors because knowledge_base may not import crm (DESIGN §1).
"""


class KnowledgeBaseError(Exception):
    code = "error"


class NotAuthorizedError(KnowledgeBaseError):
    code = "not_authorized"


class NotFoundError(KnowledgeBaseError):
    code = "not_found"


class UsageError(KnowledgeBaseError):
    code = "usage"


class NoApprovedAnswerError(KnowledgeBaseError):
    code = "no_answer"


class UnknownDocumentError(NotFoundError):
    """No version of this document id was ever imported."""

    def __init__(self, doc_id: str) -> None:
        super().__init__(doc_id)
        self.doc_id = doc_id


class EmptyQuestionError(UsageError):
    """A similar question with no text."""


class QuestionTooLongError(UsageError):
    """A similar question longer than `limit` characters."""

    def __init__(self, *, limit: int, length: int) -> None:
        super().__init__(f"a similar question has at most {limit} characters, got {length}")
        self.limit = limit
        self.length = length
