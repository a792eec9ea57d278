"""``python -m mdlp`` is the ``mdlp`` command."""

from mdlp.cli import main

if __name__ == "__main__":
    main(prog_name="mdlp")
