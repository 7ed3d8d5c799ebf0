"""`python -m awsemu ARGS...` runs the `awsemu` binary of this installation
with ARGS (`python -m awsemu serve --port 4566`)."""

import os
import subprocess
import sys

from . import AwsemuError, find_binary


def main() -> int:
    try:
        binary = find_binary()
    except AwsemuError as e:
        print(f"awsemu: {e}", file=sys.stderr)
        return 127
    argv = [binary, *sys.argv[1:]]
    if os.name == "posix":
        os.execv(binary, argv)  # signals and exit code go straight to awsemu
    return subprocess.call(argv)


if __name__ == "__main__":
    sys.exit(main())
