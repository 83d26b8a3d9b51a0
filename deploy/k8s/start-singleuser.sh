#!/bin/sh
# Copy the course pages of this image into ~/modules (newer pages replace older ones; the
# trainee's answer files beside them are never touched), then start the single-user server.
set -e
# instructors share the course with their group; trainees share nothing
if [ -n "${CTIP_COURSE_ROOT:-}" ]; then umask 007; else umask 077; fi
mkdir -p "$HOME/modules"
for page in "$CTIP_PAGES"/*.ipynb; do
  target="$HOME/modules/$(basename "$page")"
  cmp -s "$page" "$target" 2>/dev/null || cp "$page" "$target"
done
exec "$@"
