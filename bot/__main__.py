"""``python -m bot`` is ``playbot``."""

from bot.cli import main

main()
