#!/bin/sh
# Checks the rendered site.
set -eu
grep -q '<title>zfrontend</title>' dist/index.html
! grep -q '@COMMIT@' dist/index.html
echo "site ok: $(wc -c < dist/index.html) bytes"
