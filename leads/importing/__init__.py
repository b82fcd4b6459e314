"""Lead imports from CSV and Excel files: upload, column mapping, preview, and a chunked background job.

parsing   the file into a header and numbered rows (encodings, separators, .xlsx)
mapping   header synonyms to lead fields, and lead-source values to our sources
rows      one row checked against the lead's rules; text kept as the file gives it
dedupe    duplicates in the file, among leads and among contacts, one query each per chunk
chunks    one chunk's decisions and its set-based writes
running   the job: chunks, progress, resume, all-or-nothing
services  upload, preview, confirm;  selectors, reports (the error file, spreadsheet-safe);  forms,
          views, urls, tasks
"""
