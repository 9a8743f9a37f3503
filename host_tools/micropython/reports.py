"""How device scripts report to the host: JSON objects, one a line, on stdout.

A script (host_tools/device/) prints each result as one line holding a JSON object; a batch
prints one per job as it goes, since a board's heap holds one result at a time. A failure
the user can act on is {"error": MESSAGE}. Other lines (a traceback, what MicroPython
prints itself) are not reports.
"""

import json


def parse(line):
    """The report a line of a script's output holds, or None."""
    return json.loads(line) if line.startswith("{") else None


def reports(result):
    """Every report in a finished run's output (its CompletedProcess), in order."""
    found = (parse(line) for line in result.stdout.splitlines())
    return [report for report in found if report is not None]


def last_line(result):
    """What a run that failed said last: the end of its error output, else of its output."""
    text = result.stderr.strip() or result.stdout.strip()
    return (text.splitlines() or ["no output"])[-1]
