from aicost.launch import main

main()
