"""Running on AWS Lambda: the API behind API Gateway, and the worker on a schedule."""
