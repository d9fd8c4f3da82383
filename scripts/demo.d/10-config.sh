section "How atom-ops sees the sandbox install"
atom_ops config show
