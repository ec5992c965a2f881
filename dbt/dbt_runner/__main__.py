import sys

from dbt_runner.cli import main

if __name__ == "__main__":
    sys.exit(main())
