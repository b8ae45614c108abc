"""Page accounting: a job's pages counted from its data (pdl, the successor of pkpgcounter), and
a printer's life page counter read over SNMP (snmp). There is no IPP or PJL counter here: the
printer's own count over IPP comes from the stock ipp backend (backend/accounting.py,
hardware(backend))."""
