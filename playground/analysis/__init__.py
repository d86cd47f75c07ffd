"""Looking inside a trained network: model summary, lesions, pruning and lottery tickets,
confusion matrices, the learning-rate range test.

Layer: analysis, between session and workspace. It may import session, train, compile, data
and graph (never workspace, cli or ui), and no Qt. Everything here runs headless, so the
CLI, the tests and the app share one implementation.
"""
