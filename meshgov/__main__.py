from meshgov.cli import main

main()
