"""Account provisioning (pksync): keep pkAccount, quota entries and balances in step with the directory.

    rules     [sync] / [sync:<group>] sections -> SyncRules            (pure)
    periods   allocation periods and their names                        (pure)
    snapshot  what the directory holds, in model types
    load      the snapshot, read with a few paged searches              (five searches, any size)
    plan      snapshot + rules + clock -> the changes to make           (pure)
    apply     the plan, written through pykota_ldap.directory           (batched, optionally parallel)
    report    the plan as lines for people: what will be / was done, and the summary
"""
