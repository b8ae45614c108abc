"""pkmigrate: a PyKota site (its dumps, its database or its LDAP tree) brought into pykota-ldap.

Every source yields rows in the column names of PyKota's own `dumpykota` (rows.py turns them into
a Site, the common intermediate model); plan.py compares the Site with the directory and lists the
writes still missing; writer.py sends them in batches; verify.py reads the directory back and lists
every difference. Running it again writes only what is still missing: a second run changes
nothing, and a run cut off at any point is finished by the next.
"""
