import json
import os

from flask import Flask, request

from tokenguard import AssertionVerifier, ReplayCache, TokenError

# Each client id with its registered public keys: {"billing": {"keys": [...]}, ...}
with open(os.environ["CLIENTS_FILE"], encoding="utf-8") as file:
    verifier = AssertionVerifier(json.load(file), audiences=[os.environ["TOKEN_ENDPOINT"]])
replays = ReplayCache(10_000)
app = Flask(__name__)


@app.post("/token")
def token() -> tuple[dict, int]:
    try:
        client = verifier.verify(
            request.form["client_assertion"],
            cache=replays,
            client_id=request.form.get("client_id"),
        )
    except TokenError as error:
        app.logger.info("client assertion rejected: %s", error)
        return {"error": "invalid_client", "error_description": str(error)}, 401
    return {"client_id": client.client_id}, 200
