"""What follows from the case: relative time, grades, response, the audit, summaries, the revealed case."""
