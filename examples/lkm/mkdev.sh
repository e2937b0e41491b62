#!/bin/sh
# modload -p: run after a successful load with the module's id, type and
# offset (modload(8)); a real one would make a device node.  This one says
# what it was given.
echo "mkdev: module id $1, type $2, offset $3"
