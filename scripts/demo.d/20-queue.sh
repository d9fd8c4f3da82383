# Gearman job servers: what is queued and running, which workers are connected, per AtoM install.
echo "== Job servers answer: ECHO round trip, version and pid"
atom_ops queue ping
echo "== Waiting and running jobs per job class of this install (the hung XML export and the one behind it)"
atom_ops queue status
echo "== Every function on the servers, whatever install it belongs to"
atom_ops queue status --all
echo "== Worker connections, each counted once however many functions it registered"
atom_ops queue workers
echo "== Job handles held by gearmand, waiting or running, and their unique ids"
atom_ops queue jobs
echo "== Two snapshots of the live view, as printed when stdout is not a terminal"
atom_ops queue watch --count 2 --interval 1
