from scrubber.cli import main

# Guarded: a second process started by the run (the worklist writer) imports this module again.
if __name__ == "__main__":
    main()
