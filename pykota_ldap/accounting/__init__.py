"""Page accounting: a job's pages counted from its data (pdl, the successor of pkpgcounter), a
printer's life page counter read over SNMP (snmp), and the `accounter` setting that chooses
between them (accounter). There is no IPP or PJL counter here: the printer's own count over IPP
comes from the stock ipp backend (hardware(backend))."""
