from rempart.cli.app import main

main()
