"""Page script for st.navigation (see app.py); the code lives in ui/chat.py."""

from ui.chat import render

render()
