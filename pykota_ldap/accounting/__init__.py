"""Page accounting: software page counting (pdl), SNMP, IPP and PJL counters."""
