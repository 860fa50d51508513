"""`python -m tinydeploy.cli`."""
from . import main

main()
