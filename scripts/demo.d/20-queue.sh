# Gearman job servers: what is queued and running, which workers are connected, per AtoM install.
section "Job servers answer: ECHO round trip, version and pid"
atom_ops queue ping
section "Waiting and running jobs per job class of this install (the hung XML export and the one behind it)"
atom_ops queue status


section "Worker connections, each counted once however many functions it registered"
atom_ops queue workers
section "Job handles held by gearmand, waiting or running, and their unique ids"
atom_ops queue jobs
section "Two snapshots of the live view, as printed when stdout is not a terminal"
atom_ops queue watch --count 2 --interval 1
