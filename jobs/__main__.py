import sys

from jobs.sync import main

if sys.argv[1:2] == ["digest"]:
    from jobs.digest.cli import main as digest_main

    sys.exit(digest_main(sys.argv[2:]))
sys.exit(main())
