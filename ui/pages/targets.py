"""Page script for st.navigation (see app.py); the code lives in ui/targets.py."""

from ui.targets import render

render()
