from m365exit.cli import main

main()
