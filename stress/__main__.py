from stress.entry import main

main()
