"""The sales report: deals won and lost, win rate, deal size and sales cycle per rep, team and period,
with the open pipeline by stage."""
