import os

from flask import Flask, g

from tokenguard import JWKSClient
from tokenguard.flask import require_token

keys = JWKSClient(issuer=os.environ["ISSUER"], audiences="https://api.example.com")
app = Flask(__name__)


@app.get("/orders")
@require_token(keys, scopes=["orders:read"], realm="orders")
def orders() -> dict:
    return {"subject": g.token.subject}
