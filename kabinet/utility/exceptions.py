class ApplicationError(Exception):
    """The one domain error: a code for programs and a translated message for people.

    The portal shows it as a form error, the API as a 4xx JSON body.
    """

    def __init__(self, code: str, message: str, *, field: str | None = None, extra: dict | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.extra = extra or {}
