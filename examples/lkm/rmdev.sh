#!/bin/sh
# modunload -p: run after a successful unload with the module's id, type and offset
# (modunload(8)); a real one would remove a device node.  This one says what
# it was given.
echo "rmdev: module id $1, type $2, offset $3"
