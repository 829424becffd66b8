from polls.cli import main

raise SystemExit(main())
