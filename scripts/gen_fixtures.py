"""Entry point of `npm run fixtures`: runs every fixture generator in scripts/.

A generator is a script named gen_<family>_fixtures.py that writes its JSON under
test/fixtures/ from a fixed seed; it is picked up here by its name, in alphabetical order.
"""

import glob
import os
import runpy

here = os.path.dirname(os.path.abspath(__file__))
for path in sorted(glob.glob(os.path.join(here, "gen_*_fixtures.py"))):
    print(f"== {os.path.basename(path)}")
    runpy.run_path(path, run_name="__main__")
