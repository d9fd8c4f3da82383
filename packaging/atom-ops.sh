#!/bin/sh
# atom-ops with the Node.js runtime shipped beside it (the .deb and the tarball): whatever node is on PATH,
# or none. Lives in <root>/bin; <root>/node/bin/node is the runtime, <root>/bin/run.js the CLI.
self=$0
# /usr/bin/atom-ops (or a user's own link) points here: find the real directory.
if [ -L "$self" ]; then self=$(readlink -f -- "$self") || exit 1; fi
case $self in */*) here=${self%/*} ;; *) here=. ;; esac
exec "$here/../node/bin/node" "$here/run.js" "$@"
