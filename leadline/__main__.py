from leadline.cli import main

raise SystemExit(main())
