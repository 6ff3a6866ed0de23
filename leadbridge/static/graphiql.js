"use strict";

(function () {
  const config = JSON.parse(document.getElementById("graphiql-config").textContent);
  const fetcher = GraphiQL.createFetcher({
    url: config.url,
    headers: { accept: "application/graphql-response+json, application/json" },
    enableIncrementalDelivery: false,
  });
  const defaultQuery = [
    "# Leadbridge GraphQL API. Every request needs an Authorization header:",
    "# see Headers below. `leadbridge token --email ...` prints a token.",
    "",
    "query Viewer {",
    "  viewer {",
    "    email",
    "    name",
    "    company { name }",
    "  }",
    "}",
    "",
  ].join("\n");
  const props = {
    fetcher,
    defaultQuery,
    defaultEditorToolsVisibility: "headers",
  };
  if (config.headers) {
    props.headers = config.headers;
  }
  const root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(React.createElement(GraphiQL, props));
})();
