"""participatie: analytics and monitoring of the Participatiewet approach of Dutch municipal social
services.
"""

__version__ = "0.1.0"
