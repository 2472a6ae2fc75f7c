#!/bin/sh
# Renders the static site into dist/ with the commit stamped in.
set -eu
rm -rf dist && mkdir -p dist
sed "s/@COMMIT@/${XP_COMMIT:-dev}/g" site/index.html > dist/index.html
cp site/style.css dist/
