from aicost.cli.launch import main

main()
