# awsp: shell code, v1
$env:AWS_PROFILE = 'its-ok';
$env:AWS_ACCESS_KEY_ID = $null;
$env:AWS_SECRET_ACCESS_KEY = $null;
$env:AWS_SESSION_TOKEN = $null;
$env:AWS_SECURITY_TOKEN = $null;
$env:AWS_CREDENTIAL_EXPIRATION = $null;
$env:AWS_DEFAULT_PROFILE = $null;
$env:AWS_REGION = 'x''; touch /tmp/p';
$env:AWS_DEFAULT_REGION = 'x''; touch /tmp/p';
$env:AWSP_REGION = 'x''; touch /tmp/p';
$env:AWSP_PROFILE = 'its-ok';
$env:AWSP_PREVIOUS = 'before';
$env:AWSP_ACCOUNT = '1';
$env:AWSP_ACCOUNT_NAME = '‘‘curly’’ $(x) `y`';
$env:AWSP_ROLE = $null;
$env:AWSP_EXPIRES = $null;
