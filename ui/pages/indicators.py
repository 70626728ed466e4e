"""Page script for st.navigation (see app.py); the code lives in ui/indicators.py."""

from ui.indicators import render

render()
