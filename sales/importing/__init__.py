"""Importing deals with their history (crm.imports.keyed does the matching and writing).

A deal keeps the dates of the system it comes from: its created date, expected close date and closed
date. A won or lost deal closed in the past stays closed then (the forecast, the board's windows and
the sales report place it there); an open deal whose expected close date has passed is imported as it
is, overdue. Its stage history starts at those dates. Exit criteria govern the moves people make, not
the state a deal is imported in: the report notes what an open deal will need before it moves on, and a
later move checks them as usual.

Stages, pipelines, owners, products, currencies, types and lost reasons are choice columns
(crm.imports.values): each distinct cell reads as the value it names, or as the one the user chose in
the preview. A products cell lists one or more products ("Widget; Gadget x 2"); its lines are priced
from the catalogue, with one discount (or markup) that makes them add up to the row's amount.

columns   the fields headers map to, money and product cells, the choice columns' values
rows      one row checked: its stage settled by its pipeline, a closed deal's dates and lost reason
importer  the deal's part of the keyed import and its writes; DEALS, the record type registered
report    the notes on what an open deal will need before it moves on (its stage's exit criteria)
"""
