"""Page script for st.navigation (see app.py); the code lives in ui/reports.py."""

from ui.reports import render

render()
