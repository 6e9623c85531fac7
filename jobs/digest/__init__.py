"""The morning digest: each manager's own must-do list and each head's team lines, sent in Bitrix24
(im.notify.system.add) and by e-mail after the morning's good sync. `python -m jobs digest --help`.

compose (what each person gets, from queries only) -> render (BB-code; HTML and plain text) -> send (im,
email) -> log (snapshot.state's digest_log); run.py ties them together, cli.py is the command.
"""
