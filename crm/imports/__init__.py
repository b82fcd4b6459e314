"""Importing records from CSV and Excel files: the machinery every import shares.

parsing   the file into a header and numbered rows (encodings, separators, .xlsx)
mapping   header synonyms to a record type's fields, other CRMs' export headers included
cells     one cell read into a field's value (text, email, phone, web address, numbers, amounts)
rows      one row checked under a column mapping
people    owner cells read as people
running   the job: chunks, progress, resume, all-or-nothing; a record type brings an `Importer`
registry  the record types an import can create (accounts, ...); the lead import runs on the same parts
services  upload, preview, confirm;  storage, reports (the error file), job, selectors, forms, views, urls
"""
