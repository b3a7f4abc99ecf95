"""The two kinds of failure the service contract distinguishes.

:class:`BadInput` ends the step with exit code 2, which the rendered ``retryStrategy`` does not retry;
any other exception means a retry may help (exit code 1).
"""


class BadInput(Exception):
    """The input, a parameter or the model can never work as given: exit 2, do not retry."""


EXIT_OK = 0
EXIT_RETRY = 1
EXIT_BAD_INPUT = 2
