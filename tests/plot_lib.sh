# Shared by the tests of the Python scripts (sourced): cli_lib.sh's temporary directory and
# fail, and $python, a Python 3 with matplotlib. CI installs Debian's python3-matplotlib, so a
# missing matplotlib is a broken setup, not a reason to skip; /usr/bin/python3 is tried too
# because a venv's python3 earlier on PATH does not see Debian's packages.
source "$(dirname "${BASH_SOURCE[0]}")/cli_lib.sh"
python=""
for p in ${PYTHON:-} python3 /usr/bin/python3; do
  if command -v "$p" >/dev/null && "$p" -c "import matplotlib" 2>/dev/null; then python="$p"; break; fi
done
if [ -z "$python" ]; then
  echo "FAIL: no python3 with matplotlib (apt-get install python3-matplotlib)"
  exit 1
fi
