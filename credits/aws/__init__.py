"""AWS adapters of the credits app.

`ace.py` talks to AWS Partner Central (ACE) through a `partnercentral-selling` client made
elsewhere (matching.services.ace_clients.ace_client_for in production, a client wrapped in
botocore.stub.Stubber in tests). Nothing here decides which firm's credentials to use.
"""
