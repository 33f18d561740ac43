"""The one exception core raises for bad user input.

core never knows which command-line argument a number came from, so it raises
InputError with an optional ``arg`` (for example ``"--stride"``); the CLI adds
the argument name when core left it out and turns the error into exit status 2.
"""


class InputError(ValueError):
    def __init__(self, message, arg=None):
        super().__init__(message)
        self.message = message
        self.arg = arg

    def __str__(self):
        return f"{self.arg}: {self.message}" if self.arg else self.message
