# tetris_embed_yaml(TEMPLATE OUTPUT DIR DELIMITER ENTRIES_VAR COUNT_VAR NAME...)
# Reads DIR/NAME.yaml for each NAME and configures TEMPLATE into OUTPUT with ENTRIES_VAR set to
# `{"NAME", R"DELIMITER(text)DELIMITER"},` lines and COUNT_VAR to their number, so the binary
# carries the files (configs, model zoo) byte for byte. Editing a file re-runs the configure.
function(tetris_embed_yaml template output dir delimiter entries_var count_var)
  set(entries "")
  foreach(name IN LISTS ARGN)
    set(file ${dir}/${name}.yaml)
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${file})
    file(READ ${file} text)
    string(APPEND entries "    {\"${name}\", R\"${delimiter}(${text})${delimiter}\"},\n")
  endforeach()
  list(LENGTH ARGN count)
  set(${entries_var} "${entries}")
  set(${count_var} ${count})
  configure_file(${template} ${output} @ONLY)
endfunction()
