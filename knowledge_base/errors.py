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
